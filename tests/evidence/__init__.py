"""Evidence views and exports: listing, show, stats, compliance, the CI gate, SARIF/JUnit/CSV,
exceptions and the dashboard."""
