"""The live pipeline and the files users write: free of web, CLI and database imports."""
