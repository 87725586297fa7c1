"""The runtime every service shares: settings, logging, telemetry, clients, delivery, outbox."""
