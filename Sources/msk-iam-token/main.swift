// Placeholder: the CLI lands with the default credential chain.
print("msk-iam-token: not yet implemented")
