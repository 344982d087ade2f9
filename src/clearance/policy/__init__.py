"""Policy: an Assessment -> a verdict (pass / review / block / unscannable), reasons and notes."""

from clearance.policy.decide import decide

__all__ = ["decide"]
