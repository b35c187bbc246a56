"""Legal rules: the templates in rules_templates/ and the frozen, versioned text of each contest."""
