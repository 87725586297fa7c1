"""The department kit: what a department needs, its named rules, and what it issues."""
