"""Turn a processed spaCy Doc into typed, evidence-backed facts (`nlp.models`)."""
