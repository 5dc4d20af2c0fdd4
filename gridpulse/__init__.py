"""The GridPulse command line (``python -m gridpulse``)."""
