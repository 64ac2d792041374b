"""The chain client, its contracts and the anchoring of records (an installed app: label `chain`)."""
