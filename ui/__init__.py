"""NiceGUI pages and components. Knows the services, never SQL."""
