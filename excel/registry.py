"""Which imports exist. Apps below `excel` register theirs in AppConfig.ready(); `excel` imports none of them."""

IMPORTERS = {}


def register(importer_class):
    IMPORTERS[importer_class.kind] = importer_class
    return importer_class
