"""cortex_emulator: a CortexAPI (EMS-Cortex / Citrix CPSM) server for cloudforyou.cortex's tests and demo."""

__version__ = "1.0.0"
