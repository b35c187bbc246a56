"""A contest's terms and life cycle: drafting, fields, publishing, amendments, JSON transfer,
embedding."""
