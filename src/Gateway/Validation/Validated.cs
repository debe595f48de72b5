using System.Diagnostics.CodeAnalysis;
using DeviceSync.Gateway.Problems;

namespace DeviceSync.Gateway.Validation;

/// <summary>The outcome of validating untrusted input: a value, or the problem that rejects the whole request.</summary>
public readonly record struct Validated<T>
{
    private Validated(T? value, Problem? problem)
    {
        Value = value;
        Problem = problem;
    }

    public T? Value { get; }

    public Problem? Problem { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsValid => Problem is null;

    [SuppressMessage("Design", "CA1000", Justification = "Validated<T>.Ok reads best at the call site.")]
    public static Validated<T> Ok(T value) => new(value, null);

    [SuppressMessage("Design", "CA1000", Justification = "Validated<T>.Fail reads best at the call site.")]
    public static Validated<T> Fail(Problem problem) => new(default, problem);

    public static implicit operator Validated<T>(Problem problem) => Fail(problem);
}
