"""Data the course makes or ships: generated cohorts, lesions, motions, noise; labelled sets."""
