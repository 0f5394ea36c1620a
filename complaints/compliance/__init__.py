"""What an auditor and a regulator rely on: dossiers, the global audit log, daily seals over the
audit chains, legal holds, retention and erasure, and subject-access exports."""
