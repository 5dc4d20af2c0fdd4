#!/usr/bin/env bash
# Set up, build the sample city with its forecasts and surge alerts if the store lacks them,
# and start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[1/4] the sample city's case log (skipped when the store holds cases)" >&2
.venv/bin/python -m gridpulse sample --load --if-empty
echo "[2/4] 28-day forecasts of every grid, added up to the city (about a minute)" >&2
mkdir -p data/sample
.venv/bin/python -m gridpulse forecast --level grid --horizon 28 \
    --out data/sample/forecast.csv --if-none ||
    echo "no forecasts made: the app starts without them (see the message above)" >&2
echo "[3/4] 28-day forecasts of each district by category (大类)" >&2
.venv/bin/python -m gridpulse forecast --level district --by category --horizon 28 \
    --out data/sample/forecast_category.csv --if-none ||
    echo "no forecasts by category made: the app starts without them (see above)" >&2
echo "[4/4] surge alerts of the last 7 days" >&2
.venv/bin/python -m gridpulse alerts --if-none ||
    echo "no surge alerts looked for: the app starts without them (see the message above)" >&2
exec .venv/bin/streamlit run streamlit_app.py --server.headless true --browser.gatherUsageStats false "$@"
