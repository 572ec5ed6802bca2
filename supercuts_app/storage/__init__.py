"""The project file and what a path opens: the only package that speaks SQL."""
