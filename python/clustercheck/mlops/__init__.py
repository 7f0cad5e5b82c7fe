"""MLOps stack helpers: S3, PostgreSQL, MLflow and model serving, for checks and the local stack."""
