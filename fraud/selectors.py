"""fraud: selectors."""
