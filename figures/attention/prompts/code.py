def moving_average(values, width):
    result = []
    for i in range(len(values) - width + 1):
        window = values[i:i + width]
        result.append(sum(window) / width)
    return result