"""Helpers shared by the tests: one of each, used everywhere.

- :mod:`tests.support.clock`: :class:`~tests.support.clock.FakeClock`, the
  clock a test moves by hand and passes as ``clock=`` (never monkeypatched).
- :mod:`tests.support.cognito`: moto admin clients, user pools with their app
  clients, users, identity pools (:func:`~tests.support.cognito.make_pool`,
  :func:`~tests.support.cognito.add_user`,
  :func:`~tests.support.cognito.make_identity_pool`).
- :mod:`tests.support.profiles`: the two hypothesis profiles and
  :func:`~tests.support.profiles.examples`, a property test's example count.
  ``CI=true`` in the environment selects the ``ci`` profile, with each test's
  full count (``.ci/run`` sets it); otherwise ``dev`` runs a twentieth of
  them, at least 10, so the suite stays quick while you work.

The moto server itself is the session fixture ``moto_endpoint``
(``tests/conftest_moto.py``); the loopback server that verifies signatures
with botocore is ``verifying_server`` (``tests/conftest.py``).
"""
