"""The registry of the regulated world: regions, enterprises, licences, products, batches,
persons in key positions."""
