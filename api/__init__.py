"""esicheck shells over the one NLP engine: CLI, HTTP service, chart scans, storage, reports."""
