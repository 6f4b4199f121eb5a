"""The versioned knowledge base: tables, repository functions, importers."""
