"""Self-check questions: checking answers, progress, and questions computed from an image."""
