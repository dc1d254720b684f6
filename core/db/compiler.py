"""Django's PostgreSQL SQL compilers, with the SELECT around the WHERE compiled once per query shape.

Compiling a queryset costs far more CPU than building it: for a model with ``select_related``
Django walks every field of every joined model to write the column list, resolves the ordering
(hashing expressions), and renders the joins, 0.3-0.9 ms a query on this project's models, several
milliseconds of every page. All of that depends on the query's *shape* (model, joins, columns,
ordering, limits), not on the values it filters by, and a page asks the same shapes over and over.

``SQLCompiler.as_sql`` therefore keeps, per shape, the SQL before and after the WHERE clause and the
compiler state the result iterators read (columns, ``klass_info``, converters' inputs). On a later
query of that shape it compiles only the WHERE (which holds every value, the tenant scope's filter
included) and splices it in. What is not a plain shape is compiled by Django as before:

* only plain ``SELECT`` compilers (not insert, update, delete or aggregate), not subqueries;
* no annotations, ``extra()``, raw expressions in ``order_by`` or the column list (``values()`` of
  plain columns is fine), ``select_for_update``, ``GROUP BY``, set operations, ``EXPLAIN`` or
  filtered relations;
* the parts outside the WHERE must carry no parameters, and the WHERE must appear exactly once in
  the statement (otherwise the shape is remembered as not cacheable).

Safety: the WHERE, with every value and the tenant filter, is compiled for every query; a wrong
entry could only ever change columns or joins. ``settings.SQL_SHAPE_CACHE = "verify"`` (the test
suite's setting) compiles every query both ways and raises if they differ, then reads the rows with
the cached columns and converters as production does, so the whole suite checks this module on every
query it sends; ``"off"`` compiles everything the Django way.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.backends.postgresql.compiler import (
    SQLAggregateCompiler,
    SQLDeleteCompiler,
    SQLInsertCompiler,
    SQLUpdateCompiler,
)
from django.db.backends.postgresql.compiler import SQLCompiler as PostgresSQLCompiler
from django.db.models.expressions import Col

__all__ = [
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]

# shape key -> _Shape, or None for a shape found not cacheable. Bounded: emptied when full (plain dict
# operations, safe between threads; an entry is immutable once stored).
_SHAPES: dict[tuple, _Shape | None] = {}
SHAPES_MAX = 4096


class ShapeMismatch(AssertionError):
    """``SQL_SHAPE_CACHE = "verify"``: the cached statement differs from Django's own."""


# What the result iterators read from a compiler after ``as_sql``: (the shape's name, the compiler's).
_STATE = (("select", "select"), ("klass_info", "klass_info"), ("annotation_col_map", "annotation_col_map"),
          ("col_count", "col_count"), ("has_extra_select", "has_extra_select"), ("meta_ordering", "_meta_ordering"))


class _Shape:
    __slots__ = (
        "annotation_col_map",
        "col_count",
        "converters",
        "has_extra_select",
        "klass_info",
        "meta_ordering",
        "prefix",
        "select",
        "suffix",
        "where_empty",
    )

    def __init__(self, compiler, prefix, suffix, where_empty):
        self.prefix = prefix
        self.suffix = suffix
        self.where_empty = where_empty
        for mine, theirs in _STATE:
            setattr(self, mine, getattr(compiler, theirs))
        self.converters = None  # the columns' converters, found at the first read of this shape


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _klass_shape(info):
    """``klass_info`` without its setter functions (new objects each compile): model, columns, relations."""
    if not info:
        return info
    return (info["model"], tuple(info["select_fields"]), info.get("reverse"),
            tuple(_klass_shape(related) for related in info.get("related_klass_infos", ())))


def _mode() -> str:
    return getattr(settings, "SQL_SHAPE_CACHE", "on")


class SQLCompiler(PostgresSQLCompiler):
    def shape_key(self, with_limits: bool, with_col_aliases: bool) -> tuple | None:
        """Everything but the WHERE that decides this query's SQL, or None: not a plain shape."""
        query = self.query
        if (with_col_aliases or query.subquery or query.annotations or query.extra or query.extra_tables
                or query.extra_order_by or query.select_for_update or query.group_by is not None
                or query.combinator or query.explain_info or query._filtered_relations or query.distinct_fields):
            return None
        columns = ()
        if query.select:  # values() / values_list() / only the columns named: plain columns only
            for col in query.select:
                if type(col) is not Col:
                    return None
            columns = tuple((col.alias, id(col.target)) for col in query.select)
        order_by = query.order_by
        for item in order_by:
            if type(item) is not str:
                return None
        where = query.where
        if where.contains_aggregate or where.contains_over_clause:
            return None
        joins = []
        refcount = query.alias_refcount
        for alias, join in query.alias_map.items():
            if getattr(join, "filtered_relation", None) is not None:
                return None
            joins.append((alias, type(join), join.table_name, getattr(join, "parent_alias", None),
                          getattr(join, "join_type", None), id(getattr(join, "join_field", None)),
                          getattr(join, "nullable", None), refcount.get(alias)))
        return (
            self.using, query.model, tuple(joins), columns, query.default_cols, query.values_select,
            _freeze(query.select_related), query.deferred_loading[1],
            frozenset(query.deferred_loading[0]), order_by, query.default_ordering, query.standard_ordering,
            query.distinct, (query.low_mark, query.high_mark) if with_limits else None, self.elide_empty,
        )

    def as_sql(self, with_limits=True, with_col_aliases=False):
        mode = _mode()
        if mode == "off" or type(self) is not SQLCompiler:
            return super().as_sql(with_limits, with_col_aliases)
        key = self.shape_key(with_limits, with_col_aliases)
        if key is None:
            return super().as_sql(with_limits, with_col_aliases)
        shape = _SHAPES.get(key, False)
        if shape is None:  # known not cacheable
            return super().as_sql(with_limits, with_col_aliases)
        if shape is False:
            sql, params = super().as_sql(with_limits, with_col_aliases)
            self._remember(key, sql, params)
            return sql, params
        fast = self._from_shape(shape)
        if fast is None:  # the WHERE is empty now and was not then (or the reverse)
            self._shape = None
            return super().as_sql(with_limits, with_col_aliases)
        if mode == "verify":
            full = super().as_sql(with_limits, with_col_aliases)
            if (fast[0], tuple(fast[1])) != (full[0], tuple(full[1])):
                raise ShapeMismatch(f"cached shape gives\n{fast[0]}\n{fast[1]!r}\nDjango gives\n{full[0]}\n{full[1]!r}")
            if ((shape.select, _klass_shape(shape.klass_info), shape.col_count)
                    != (self.select, _klass_shape(self.klass_info), self.col_count)):
                raise ShapeMismatch(f"cached columns differ for\n{full[0]}")
            self._use_shape(shape)  # the rows are then read with the cached state, as in production
        return fast

    def get_converters(self, expressions):
        """The shape's column converters, found once (each column asks its field, ~40 columns a row
        with ``select_related``); Django's for any other expressions. A converter bound to this
        connection's own objects is never kept (the next query of the shape may use another)."""
        shape = getattr(self, "_shape", None)
        if (shape is None or len(expressions) != shape.col_count
                or any(e is not s[0] for e, s in zip(expressions, shape.select, strict=False))):
            return super().get_converters(expressions)
        if shape.converters is None:
            converters = super().get_converters(expressions)
            ops, connection = self.connection.ops, self.connection
            if any(getattr(c, "__self__", None) in (ops, connection)
                   for convs, _ in converters.values() for c in convs):
                return converters
            shape.converters = converters
        return shape.converters

    def _compile_where(self):
        """This query's WHERE as ``as_sql`` writes it: (sql, params); "" when there is none."""
        where = self.query.where
        try:
            return self.compile(where)
        except EmptyResultSet:
            if self.elide_empty:
                raise
            return "0 = 1", []
        except FullResultSet:
            return "", []

    def _remember(self, key, sql, params) -> None:
        shape = None
        where_sql, where_params = self._compile_where()
        if where_sql:
            marker = f" WHERE {where_sql}"
            if sql.count(marker) == 1 and list(params) == list(where_params):
                prefix, suffix = sql.split(marker)
                shape = _Shape(self, prefix, suffix, where_empty=False)
        elif not params:
            shape = _Shape(self, sql, "", where_empty=True)
        if len(_SHAPES) >= SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[key] = shape

    def _from_shape(self, shape: _Shape):
        # The compiler's state first: an empty ``__in`` raises EmptyResultSet from the WHERE, and the
        # iterators still read the columns (as after Django's own pre_sql_setup).
        self._use_shape(shape)
        where_sql, where_params = self._compile_where()
        if bool(where_sql) == shape.where_empty:
            return None
        if shape.where_empty:
            return shape.prefix, ()
        return f"{shape.prefix} WHERE {where_sql}{shape.suffix}", tuple(where_params)

    def _use_shape(self, shape: _Shape) -> None:
        for mine, theirs in _STATE:
            setattr(self, theirs, getattr(shape, mine))
        self.where, self.having, self.qualify = self.query.where, None, None
        self._shape = shape
