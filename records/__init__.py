"""Assessments of record: publications, appeals (申诉) and supervision orders (督办单)."""
