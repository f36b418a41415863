"""Renderers of a LabResult: terminal text for the student, JSON for tools."""
