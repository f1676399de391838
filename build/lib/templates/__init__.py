"""Jinja2 templates for every text the grader renders (shipped as package data)."""
