"""Words: the course's texts as data, links to its figures, alt texts, safe user strings."""
