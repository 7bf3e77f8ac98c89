"""Deployment: the image, the local stack, the CloudFormation template and `make deploy`."""
