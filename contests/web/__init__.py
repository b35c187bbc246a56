"""Web plumbing shared by the blueprints: the transaction boundary, headers, error pages,
formatting filters, the form base class and cookie-less form tokens."""
