"""A botocore credential provider that hands out fixed credentials, for AWS's official MSK
signer (`MSKAuthTokenProvider.generate_auth_token_from_credentials_provider`) in the fixtures
that sign tokens with credentials msk-local's STS issued."""
from botocore.credentials import CredentialProvider


class StaticProvider(CredentialProvider):
    METHOD = "static"

    def __init__(self, credentials):
        super().__init__()
        self.credentials = credentials

    def load(self):
        return self.credentials
