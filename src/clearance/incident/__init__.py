"""Responding to a published leak: who was exposed (``exposed``), who downloaded it (``logs``,
``exposure``), and the oversight report (``report``). Built on the pipeline, never the other way
round; sensitive values are encrypted at rest (``crypto``) and every decryption is audited."""
