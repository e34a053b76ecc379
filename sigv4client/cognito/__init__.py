"""Cognito user-pool login and identity-pool credentials (to be filled in)."""
