"""Pure-Python core of the course: loading, samples, and every page's computations.

Nothing in this package imports Streamlit; heavy libraries (TensorFlow, Keras,
SimpleITK) are imported inside the functions that need them.
"""
