"""Hour statistics: the grouped query (``hours``), its CSV/XLSX files (``exports``), the API and the admin page."""
