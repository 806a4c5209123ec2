print("msk-local")
