#!/usr/bin/env bash
# Set up, build the sample city if the store is empty, and start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m gridpulse sample --load --if-empty
exec .venv/bin/streamlit run streamlit_app.py --server.headless true --browser.gatherUsageStats false "$@"
