"""Taking entries and handling them: submission, double opt-in, review, CSV export."""
