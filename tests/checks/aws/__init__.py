"""Tests of the AWS checks: hand-built inventories in boto3 shapes, no AWS, no mocks."""
