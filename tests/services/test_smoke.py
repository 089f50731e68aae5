from tests import factories


def test_factories_build_a_conversion(app):
    conversion = factories.make_conversion(amount=1_234_567)
    assert conversion.id and conversion.commission == 123_457
