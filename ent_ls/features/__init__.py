"""Editor features as plain functions over the document model and catalog:
offsets in, plain data out. The server converts them to LSP."""
