"""The Streamlit dashboard: pages and their shared components (no SQL here)."""
