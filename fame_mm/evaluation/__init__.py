"""Evaluation metrics (retrieval, kNN) live here."""
