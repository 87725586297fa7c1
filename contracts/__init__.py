"""The published contract of the Enterprise Page: form, events, topics and topology."""
