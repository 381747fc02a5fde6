"""The adapter between the Streamlit pages and twin: capabilities, solves, edits, reports."""
