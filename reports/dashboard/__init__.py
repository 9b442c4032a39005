"""The assessment dashboard (``indicators``) and the service-order report, over the API and in the admin."""
