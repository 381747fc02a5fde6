"""Exchange with other tools: `twin.interop.pandapower` exports the power chain for pandapower."""
