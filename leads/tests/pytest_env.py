"""Loaded with `-p` before pytest-django reads the settings: the tests run production settings
(debug off) with a throwaway key, so that what they check is what production does."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-" + "k" * 60)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "False")  # gunicorn in tests speaks plain HTTP
os.environ.setdefault("SIGNUP_RATE_LIMIT", "off")
os.environ.setdefault("LOGIN_RATE_LIMIT", "off")
# AWS calls in tests go to moto's server on loopback; these keys are never real.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_REGION", "us-east-1")
for name in (
    "CACHE_URL",
    "NEW_SIGNUP_TOPIC",
    "STATIC_CDN_DOMAIN",
    "STATIC_BUCKET",
    "STATIC_CDN_SCHEME",
    "CLOUD_FRONT",
    "AWS_S3_CUSTOM_DOMAIN",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_SESSION_TOKEN",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "MAIL_RATE",
    "SES_CONFIGURATION_SET",
):
    os.environ.pop(name, None)
