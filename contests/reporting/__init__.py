"""Statistics and reports for organizers and their clients."""
