"""Names of MNE's builtin montages (no MNE import: the declarations use them)."""

#: MNE's builtin montages (``mne.channels.get_builtin_montages()``; the ``standard_*``
#: names are its older aliases of the colin27 ones).
MONTAGES = (
    "standard_1005", "standard_1020", "colin27_1005", "colin27_1020", "fsaverage_1005",
    "fsaverage_1010", "fsaverage_1020", "biosemi16", "biosemi32", "biosemi64", "biosemi128",
    "biosemi160", "biosemi256", "easycap-M1", "easycap-M10", "easycap-M43", "EGI_256",
    "GSN-HydroCel-32", "GSN-HydroCel-64_1.0", "GSN-HydroCel-65_1.0", "GSN-HydroCel-128",
    "GSN-HydroCel-129", "GSN-HydroCel-256", "GSN-HydroCel-257", "mgh60", "mgh70",
    "artinis-octamon", "artinis-brite23", "brainproducts-RNP-BA-128", "spherical_1005",
    "spherical_1010", "spherical_1020",
)
