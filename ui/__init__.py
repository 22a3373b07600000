"""Streamlit building blocks shared by the pages: picker, viewers, code panel, course map."""
