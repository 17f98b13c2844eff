"""LoRaWAN devices: payload decoders per model, the field mapping onto canonical quantities, and encoders."""
