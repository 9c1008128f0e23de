"""The standard each service is assessed against by default, and the target it comes from."""

#: service -> (threshold in seconds, target_id in config/targets.yaml)
DEFAULT_STANDARD = {"fire": (360.0, "lfb-first-appliance-mean-6min"),
                    "ambulance": (420.0, "nhs-arp-c1-mean"),
                    "police": (900.0, "mps-immediate-15min-90")}

#: targets about a later arrival than the first, which first-response coverage cannot be compared with
NOT_FIRST_RESPONSE = ("second_appliance",)
